"""Reports: charts drawn once for pages and PDFs, personal progress reports, the programme
report for managers, and recognition (badges, completion certificates, shout-outs).

``charts`` draws SVG whose look is in its attributes, so the same chart shows on a page and
is placed in an fpdf2 PDF (``pdfpage``). The reports' figures are GROUP BY queries over a
batch of participants (``personal``, ``programme``); ``sending`` queues them on a schedule.
"""
