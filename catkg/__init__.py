"""CATKG: a knowledge graph of China-ASEAN science, technology and innovation cooperation."""

__version__ = "0.1.0"
