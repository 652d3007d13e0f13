# The SD-card image for Raspberry Pi (a later issue) builds from here.
