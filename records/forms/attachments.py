"""The form for adding a file to a chronology entry. The file itself is checked by
records.attachments (by its content), through records.services.attachments."""

from django import forms

from enigma.uploads import LimitedFileInput
from records import attachments


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        widget=LimitedFileInput(
            attachments.max_bytes, attrs={"accept": attachments.ACCEPT_ATTRIBUTE}
        ),
        error_messages={
            "required": "Choose a file to attach.",
            "empty": "The file is empty. Choose the file again; it may not have saved.",
            "invalid": "That was not a file. Choose the file again.",
        },
        allow_empty_file=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the form is built, so a changed limit shows at once.
        self.fields["file"].help_text = attachments.limit_text()
        # The file name is stored cleaned up by the service; the field only caps length.
        self.fields["file"].max_length = 1000
