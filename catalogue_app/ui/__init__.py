"""The desktop app: PySide6 widgets and Qt models. The only package that imports Qt."""
