"""The reply grammar: the small, forgiving language people use when answering a Tandem email
(item updates, metric values, ratings, dates, session notes).
"""
