"""`make bench`: our assistant against Rasa's default pipeline, side by side in one run."""
