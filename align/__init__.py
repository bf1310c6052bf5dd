"""align: build a Chinese–English phrase alignment dataset from articles that quote English."""

__version__ = "0.1.0"
