"""The public 個人情報ファイル簿 (APPI 75; 規程 Art. 37)."""
