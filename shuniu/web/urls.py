from django.contrib.auth import views as auth_views
from django.urls import path

from shuniu.web.views import dashboard, orgs, party, people, pickers

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("regions/<str:code>/", dashboard.region, name="region"),
    path("orgs/", orgs.org_list, name="org_list"),
    path("orgs/new/", orgs.org_new, name="org_new"),
    path("orgs/<int:pk>/", orgs.org_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", orgs.org_edit, name="org_edit"),
    path("party/", party.party_tree, name="party_tree"),
    path("party/new/", party.party_new, name="party_new"),
    path("party/<int:pk>/", party.party_detail, name="party_detail"),
    path("party/<int:pk>/children/", party.party_children, name="party_children"),
    path("members/", people.member_list, name="member_list"),
    path("members/new/", people.member_new, name="member_new"),
    path("instructors/", people.instructor_list, name="instructor_list"),
    path("coverage/new/", people.coverage_new, name="coverage_new"),
    path("assignments/new/", people.assignment_new, name="assignment_new"),
    path("pick/<slug:kind>/", pickers.pick, name="pick"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
