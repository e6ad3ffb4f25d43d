"""The profile page's "Your records" section: which record profiles a learner keeps.

The page is accounts' (/accounts/profile); the section and its form are the
portfolio's, added to the page through `signals.profile_page` (see
portfolios/listeners.py), and saved here on the accounts blueprint so the
address stays /accounts/profile/records.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from academy.accounts import bp
from academy.accounts.forms import ProfileForm
from academy.accounts.models import User
from academy.extensions import db
from academy.portfolios.entries.operations import choose_profiles
from academy.portfolios.queries import profile_choices_of
from academy.portfolios.records.profile_forms import records_form_class


def records_form(user: User, formdata=None):
    """The records form: the learner's choices, or what they sent."""
    data = {}
    for choice in profile_choices_of(user):
        data[f"{choice.profile}_chosen"] = True
        data[f"{choice.profile}_renews_on"] = choice.renews_on
    return records_form_class()(formdata=formdata, data=data, prefix="records")


@bp.route("/profile/records", methods=["GET", "POST"])
@login_required
def profile_records():
    """The record profiles you keep (NMC, HCPC...) and their renewal dates."""
    if request.method == "GET":
        return redirect(url_for("accounts.profile", _anchor="records"))
    records = records_form(current_user, formdata=request.form)
    if records.validate_on_submit():
        choose_profiles(current_user, records.chosen)
        db.session.commit()
        flash("Your records are saved.", "success")
        return redirect(url_for("accounts.profile", _anchor="records"))
    form = ProfileForm(obj=current_user, formdata=None)
    return render_template("accounts/profile.html", form=form, records=records), 400
