"""Benchmarks: ``make bench`` runs them on a scratch database and prints a table.

They measure, they never gate CI: absolute times depend on the machine.
"""
