"""Text a prompt speaks: markup, verbalization and the parts an engine is asked to say."""
