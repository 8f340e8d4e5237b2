"""Validate: calendars and pipeline.yaml in, entries and diagnostics out.

`check` runs the stage (load the calendars, probe each media file once, run the rules), `probe`
tells what a media file really is, by its content.
"""
