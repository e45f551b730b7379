"""Spotifreak's logic, free of Home Assistant imports so it can be read and tested on its own."""
