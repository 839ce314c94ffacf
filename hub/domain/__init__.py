"""Pure domain of the hub: plain data and functions of (state, event, now). No I/O, no clock."""
