"""Routes of the researchers' sign-in, mounted at /account/."""

from django.urls import path

from proposals import account

app_name = "account"

urlpatterns = [
    path("", account.signin_request, name="signin-request"),
    path("sent/", account.signin_sent, name="sent"),
    path("signin/", account.signin, name="signin"),
    path("signout/", account.signout, name="signout"),
]
