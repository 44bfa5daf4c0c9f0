"""meti-pi: the 経済産業省個人情報保護管理規程 (METI personal-information protection rule) as code."""

from pathlib import Path

__version__ = "0.1.0"

# The installed package's folder (its data/ and fastschemas/ travel inside it); sub-packages use
# this rather than climbing out of their own folder with `__file__`.
PACKAGE_DIR = Path(__file__).resolve().parent
