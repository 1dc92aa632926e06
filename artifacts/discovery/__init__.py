"""Discovery of what funded projects released, from the scholarly indexes that record it by
award number (DataCite, Crossref, OpenAlex, Zenodo): their records read into one shape
(``records``), award references matched to the program's awards (``awards``), and the HTTP
clients that page through each index politely (``client``). No database here: the services
record suggestions."""
