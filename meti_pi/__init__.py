"""meti-pi: the 経済産業省個人情報保護管理規程 (METI personal-information protection rule) as code."""

__version__ = "0.1.0"
