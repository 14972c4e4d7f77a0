"""The review page: every prompt of a built set, playable, beside the set it replaced.

Kept empty so the build can import `review.before` (a leaf) without loading the page writer.
"""
