"""The select widget of our forms writes the same HTML as FAB's / WTForms' own (issue 11: it
only skips ``html_params`` per option)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_appbuilder.fieldwidgets import Select2Widget as FabSelect2Widget
from flask_babel import Babel
from wtforms import Form, SelectField, SelectMultipleField

from app.views.base import Select2Widget

CHOICES = [("", "（未选择）"), ("1", "青山村"), ("2", 'a "quoted" <b>&</b> name'), ("3", ""), ("x&y", "石桥村")]


@pytest.fixture
def ctx():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def _html(field, name: str) -> str:
    return str(field()).replace(f'id="{name}" name="{name}"', "")


@pytest.mark.parametrize("data", [None, "2", "x&y", "3", ""])
def test_options_are_written_as_wtforms_writes_them(ctx, data):
    class F(Form):
        ours = SelectField("村", choices=CHOICES, widget=Select2Widget())
        theirs = SelectField("村", choices=CHOICES, widget=FabSelect2Widget())

    form = F(data={"ours": data, "theirs": data})
    assert _html(form.ours, "ours") == _html(form.theirs, "theirs")
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in _html(form.ours, "ours")


def test_several_selected_and_extra_attributes_take_the_same_path(ctx):
    choices = [("1", "青山村", {"disabled": True}), ("2", "石桥村", {}), ("3", "东坑村", {})]

    class F(Form):
        ours = SelectMultipleField("村", choices=choices, widget=Select2Widget())
        theirs = SelectMultipleField("村", choices=choices, widget=FabSelect2Widget())

    form = F(data={"ours": ["1", "3"], "theirs": ["1", "3"]})
    assert _html(form.ours, "ours") == _html(form.theirs, "theirs")
    assert "disabled" in _html(form.ours, "ours")
    assert _html(form.ours, "ours").count(" selected ") == 2
