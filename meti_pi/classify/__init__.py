"""Classification (規程 Art. 16): detecting personal data in datasets and free text, counting 本人, deciding the class."""
