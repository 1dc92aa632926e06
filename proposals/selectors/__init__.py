"""Reads of the program's records (no writes: those are ``proposals.services``).

- ``public``: what anyone may see of deadlines, organisations, cycles and awards.
- ``recipients``: who is reminded of a deadline (staff, investigators, subscribers).
"""
