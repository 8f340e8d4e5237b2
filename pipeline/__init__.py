"""Content-calendar publisher: calendars in git -> validated plan -> scheduled posts."""

__version__ = "0.1.0"
