"""Apply: carry a Plan out. `publisher` runs one pass: it records the run, hands each backend the
steps that are its own (holding back those of a backend without its key), and writes the views.
"""
