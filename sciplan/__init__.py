"""Knowledge graph of China's 全民科学素质 (national science-literacy) action plans."""

__version__ = "0.1.0"
