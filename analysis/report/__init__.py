"""Reporting: a scheduled run of every notebook, and the files it leaves for people."""
