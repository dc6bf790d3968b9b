"""URLs of the referrals app. Its pages arrive with its issue; the include is wired now."""

app_name = "referrals"
urlpatterns: list = []
