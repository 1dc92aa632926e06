"""One date style on every page and in the admin: a day as "July 13, 2026", an instant as
"July 13, 2026, 5:00 PM EDT", always with its zone (the program's, unless a page says it
shows another). Templates write ``|date`` and ``|date:"DATETIME_FORMAT"``; machine-readable
dates (``datetime`` attributes, feeds, exports) stay ISO 8601."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, g:i A T"
# The same, shorter, where a table has many columns.
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, g:i A T"
