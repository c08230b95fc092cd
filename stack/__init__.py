"""This project's stack: its settings (read and validated from config), its names, the wiring of
the components into one stack per environment, and its outputs. Imports the library
(:mod:`components`), never the tools."""
