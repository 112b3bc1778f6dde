"""The words people read and the domain's fixed vocabulary: labels, formats, categories, units."""
