"""Text rules shared by the loaders and the services."""


def split_tags(text: str | None) -> list[str]:
    if not text:
        return []
    return [t.strip() for t in text.split(",") if t.strip()]


def join_tags(tags: list[str]) -> str:
    return ", ".join(t.strip() for t in tags if t.strip())
