"""The usual suspects for every text field: markup, SQL, length, unicode, direction."""

SCRIPT = "<script>alert('x')</script>"
SUSPECTS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }} {% debug %}",
    "'; DROP TABLE enigma_student; --",
    "Robert'); DELETE FROM enigma_auditevent WHERE ('1'='1",
    "Zoë Ødegård-Łukasiewicz",
    "محمد عبد الله",  # Arabic, right to left
    "\u202eevil\u202c",  # right-to-left override
    "zero\u200bwidth\u200djoiner\ufeff",
    "👩🏽‍🏫 Café",
    "O'Brien & Sons <Ltd>",
]
