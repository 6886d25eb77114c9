from django.contrib.auth import views as auth_views
from django.urls import path

from shuniu.web.forms import LoginForm, PasswordForm
from shuniu.web.views import account, cases, changes, dashboard, orgs, party, passes, people, pickers, transfers

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("regions/<str:code>/", dashboard.region, name="region"),
    path("orgs/", orgs.org_list, name="org_list"),
    path("orgs/new/", orgs.org_new, name="org_new"),
    path("orgs/<int:pk>/", orgs.org_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", orgs.org_edit, name="org_edit"),
    path("orgs/<int:pk>/deregister/", changes.org_deregister_view, name="org_deregister"),
    path("orgs/<int:pk>/body/", orgs.org_body, name="org_body"),
    path("orgs/<int:pk>/inspections/new/", passes.inspection_new, name="org_inspection_new"),
    path("orgs/<int:pk>/evaluations/new/", passes.evaluation_new, name="org_evaluation_new"),
    path("orgs/<int:pk>/establish/", cases.establishment_new, name="establishment_new"),
    path("party/<int:pk>/cases/<slug:kind>/new/", cases.party_case_new, name="party_case_new"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/act/", cases.case_act_view, name="case_act"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("cases/attachments/<int:pk>/", cases.attachment_download, name="attachment_download"),
    path("transfers/", transfers.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", transfers.transfer_detail, name="transfer_detail"),
    path("todo/", cases.inbox, name="inbox"),
    path("todo/count/", cases.todo_count, name="todo_count"),
    path("party/", party.party_tree, name="party_tree"),
    path("party/new/", party.party_new, name="party_new"),
    path("party/<int:pk>/", party.party_detail, name="party_detail"),
    path("party/<int:pk>/children/", party.party_children, name="party_children"),
    path("party/<int:pk>/edit/", changes.party_edit, name="party_edit"),
    path("party/<int:pk>/dissolve/", changes.party_dissolve, name="party_dissolve"),
    path("members/", people.member_list, name="member_list"),
    path("members/new/", people.member_new, name="member_new"),
    path("members/<int:pk>/edit/", changes.member_edit, name="member_edit"),
    path("members/<int:pk>/end/", changes.member_end_view, name="member_end"),
    path("instructors/", people.instructor_list, name="instructor_list"),
    path("coverage/new/", people.coverage_new, name="coverage_new"),
    path("coverage/<int:pk>/end/", changes.coverage_end_view, name="coverage_end"),
    path("assignments/new/", people.assignment_new, name="assignment_new"),
    path("assignments/<int:pk>/end/", changes.assignment_end_view, name="assignment_end"),
    path("account/tokens/", account.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", account.token_revoke_view, name="token_revoke"),
    path("pick/<slug:kind>/", pickers.pick, name="pick"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The templates are named apart from registration/: the admin's, earlier in INSTALLED_APPS, would win.
    path("password/", auth_views.PasswordChangeView.as_view(
        form_class=PasswordForm, template_name="web/password_change_form.html"), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(template_name="web/password_change_done.html"),
         name="password_change_done"),
]
