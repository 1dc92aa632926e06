"""Deadline reminders, apart from the writes (``proposals.services.reminders``) and the
reads of who is reminded (``proposals.selectors.recipients``).

- ``schedule``: when a reminder falls due and how times are worded; pure rules.
- ``mail``: the message of a delivery, its Message-ID and unsubscribe link, and the SMTP
  connection a worker keeps open.
"""
