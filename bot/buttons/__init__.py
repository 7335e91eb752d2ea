"""Callback data, one module per button namespace: each declares its verbs with the numbers
they carry (`BUTTONS`, read strictly by `data.Buttons.parse`) and builds the data of its
buttons, so the data is written in one place and read back by the same declaration.

Below the handlers and the sender, which both make buttons; above the services, whose
bounds (the rhythms a pair can agree on, how far back a meeting may be) the numbers use.
"""
