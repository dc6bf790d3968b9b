from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals and placements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from enigma import extensions
        from referrals.demo import seed_placements

        extensions.add_demo_seeder(seed_placements)
        for name, path, who in (
            ("placements board", "/referrals/placements/", "coordinator"),
            ("reviews board", "/referrals/reviews/", "senco"),
            ("approvals", "/referrals/approvals/", "deputy"),
            ("waiting list", "/referrals/waiting-list/", "deputy"),
            ("my referrals", "/referrals/mine/", "referrer"),
        ):
            extensions.add_bench_target(name, path, f"{who}@example.org")
