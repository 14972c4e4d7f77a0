"""Publishing: where each file goes (layout), what was published (manifest), how (stage)."""
