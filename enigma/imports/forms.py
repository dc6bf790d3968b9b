from django import forms

from enigma.uploads import LimitedFileInput

from .headers import KIND_LABELS
from .parsing import max_bytes, size_text


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file contains",
        choices=list(KIND_LABELS.items()),
        help_text="Import students first: parents and carers are matched to them.",
    )
    file = forms.FileField(
        label="CSV file",
        widget=LimitedFileInput(max_bytes, attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
        help_text="Exported from SIMS, Arbor or Bromcom as CSV. Nothing is saved until you "
        "have checked the preview.",
    )

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])


def checked_upload(upload):
    """An uploaded import file, refused next to its field when empty or over the limit
    (every MIS import form: students and staff here, timetables in their app)."""
    limit = max_bytes()
    if upload.size > limit:
        raise forms.ValidationError(
            f"The file is {size_text(upload.size)}; the most Enigma accepts is "
            f"{size_text(limit)}. Split it into smaller files."
        )
    if upload.size == 0:
        raise forms.ValidationError("The file is empty.")
    return upload
