"""Reading NSF award data, with no database: pure parsing and checking.

- ``records``: the ``AwardRecord`` every format is read into, ``NSFFormatError``, and the
  normalisation the formats share (NSF's escaped HTML, dates, amounts, roles, codes).
- ``xml``: the bulk XML downloads.
- ``json``: the Award Search API's JSON and the bulk JSON awards.
- ``documents``: files, directories and zip archives as documents, told apart by content,
  and the caps on what an upload or an import may read.
- ``report``: why an import left an award out, the entry its report keeps for it, and
  whether a record is the program's (by element code, or by the program's name).
"""
