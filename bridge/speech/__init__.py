"""Spoken names on the Asterisk access number, recognised offline.

The caller's utterance (8 kHz telephone audio recorded through AGI) is decoded against a
grammar made only of the names this caller may reach. ``recognizer`` is the small interface
an engine implements; ``sphinx`` is the default engine (pocketsphinx, the optional extra
``phonebridge[speech]``); ``grammar``, ``pronounce`` and ``audio`` are its engine-free parts.
"""
