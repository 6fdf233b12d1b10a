"""Reading mail: from the bytes of a message to what a person wrote. Parsing and charsets, HTML
to text, trimming quoted history and signatures, auto-replies, bounces and DSNs, iTIP replies.
"""
