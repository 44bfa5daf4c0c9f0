"""Art. 35/36 notices: which are required, by when, and their Japanese drafts."""
