"""The editors' glossary in the store: entries and history, which articles use
which term, edits that re-translate, file imports, impact before saving."""
