"""Read a self-evaluation report's prose into the brief's tables, each figure with its sentence.

`fund-analysis extract REPORT --out DIR` reads a report (.txt in UTF-8 or GBK, or .docx) and
writes projects.csv, budget_lines.csv and programs.csv in the brief's layout, each row with a
`source` column quoting the sentence its figures came from, and unread.csv listing every figure
of the report that did not make it into the tables. Rules only: no network, no model. Without
--out the tables go to a new folder named after the report (report2021.txt: report2021-tables/);
a folder that holds any of the four files is refused unless --force, and the files are moved in
only once all four are written.

How the prose is read:
- Each paragraph is NFKC-normalised (full-width digits and punctuation become half-width); a map
  keeps every character's place in the printed text, so sources quote the report as printed.
- A project is named as 单位的“项目名称” (quotes of either width, 「」, 『』 or 《》). The figures
  after a project's name, up to the next project's name or the next heading, are that project's.
- A figure is a label followed by an amount in 元, 万元 or 亿元: the labels are FIELD_LABELS
  in prose.py, and budget categories are the vocabulary's names and aliases.
- Every amount in the text is either entered in a table or listed as unread with its sentence.
- A line figure printed in another unit than the rest of its project is corrected only when the
  sums prove the intended unit (units.py); the line's note says so.

Project ids are {prefix}-{year}-{NN}, NN counting projects in the order the report first names
them. The prefix is the pinyin initials of the program name's first four characters, taken from
the GB2312 code order (its 3,755 common characters are sorted by pinyin), so 县域创新跃升计划
gives XYCX, the prefix of the bundled tables, and 科技小巨人培育计划 gives KJXJ, with no pinyin
dictionary. Rare characters outside that range are skipped; a character with two readings gets
GB2312's. With no usable program name the prefix is P.
"""

from analysis.read.extract.ids import id_prefix
from analysis.read.extract.prose import read_report
from analysis.read.extract.tables import Extraction, extract, issue_text, write

__all__ = ["Extraction", "extract", "id_prefix", "issue_text", "read_report", "write"]
