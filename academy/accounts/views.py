"""Register, log in, log out, and the profile page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from academy import signals
from academy.accounts import bp
from academy.accounts.forms import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from academy.accounts.operations import (
    change_password,
    end_login_session,
    register_user,
    start_login_session,
    update_profile,
)
from academy.extensions import db, limiter


def safe_next(target: str | None) -> str | None:
    """A same-site path to go on to after logging in, or None if it could leave the site."""
    if not target:
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _password_limit() -> str:
    return current_app.config["PASSWORD_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    """Create an account; everyone starts as a learner."""
    if current_user.is_authenticated:
        return redirect(url_for("escalator.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = register_user(form.email.data, form.password.data, **form.profile_data)
        start_login_session(user)
        db.session.commit()
        login_user(user)
        flash("Welcome to the Academy. Your account is ready.", "success")
        return redirect(safe_next(request.args.get("next")) or url_for("escalator.home"))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("escalator.home"))
    form = LoginForm()
    if form.validate_on_submit():
        start_login_session(form.user)
        db.session.commit()  # the login session, and last_login_at
        login_user(form.user)
        flash(f"You are logged in as {form.user.name}.", "success")
        return redirect(safe_next(request.args.get("next")) or url_for("escalator.home"))
    status = 400 if (form.errors or form.form_errors) else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Log out (a POST with a CSRF token, so no link can log anyone out), ending the session."""
    if current_user.is_authenticated:
        end_login_session(current_user)
        db.session.commit()
    logout_user()
    flash("You have logged out.", "success")
    return redirect(url_for("escalator.home"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(_password_limit, methods=["POST"])
@login_required
def password():
    """Change your password; every other login session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        change_password(user, form.password.data)
        start_login_session(user)
        db.session.commit()
        login_user(user)  # this browser carries on, with its new session
        flash(
            "Your password is changed. Anywhere else you were logged in, you are now logged out.",
            "success",
        )
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Your name, profession, sector, region and where you think you are."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        update_profile(current_user, form.profile_data)
        db.session.commit()
        flash("Your profile is saved.", "success")
        return redirect(url_for("accounts.profile"))
    return profile_page(form), 400 if form.errors else 200


def profile_page(form, *, formdata=None) -> str:
    """The profile page: this feature's form, and the sections higher features add
    (`signals.profile_page`: the record profiles the learner keeps)."""
    sections = {}
    user = current_user._get_current_object()
    for answer in signals.answers(signals.profile_page, user, formdata=formdata):
        sections.update(answer)
    return render_template("accounts/profile.html", form=form, **sections)
