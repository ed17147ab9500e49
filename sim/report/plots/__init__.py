"""Plots by family; each module draws from plain data of its own layer or below."""
