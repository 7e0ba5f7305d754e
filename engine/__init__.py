"""Extensions loaded by the Rasa engine (Python 3.10): the crisis rules and the spaCy build."""
