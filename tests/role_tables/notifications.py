"""Role-matrix rows for the notifications app (url name -> the capability it needs).

Everyone with a role reads their own notifications and chooses how they come; only the
school admin sees the addresses mail could not reach. POST_ONLY: views that only accept POST.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "notifications:inbox": C.READ_NOTIFICATIONS,
    "notifications:mark_read": C.READ_NOTIFICATIONS,
    "notifications:mark_all_read": C.READ_NOTIFICATIONS,
    "notifications:preferences": C.READ_NOTIFICATIONS,
    "notifications:email_problems": C.SEE_EMAIL_PROBLEMS,
}
POST_ONLY: set[str] = {"notifications:mark_read", "notifications:mark_all_read"}
