"""Every page of the catalogue: importing this module adds each route to its blueprint."""

from academy.catalogue import api_bp, bp, provide_bp, review_bp, views
from academy.catalogue.api import views as api_views
from academy.catalogue.history import action_label
from academy.catalogue.importing import views as importing_views
from academy.catalogue.listing import views as listing_views
from academy.catalogue.review import views as review_views

VIEWS = (views, api_views, listing_views, importing_views, review_views)
BLUEPRINTS = (bp, api_bp, provide_bp, review_bp)

# History pages (the providers' and the curators') name each action the same way.
bp.add_app_template_global(action_label, "action_label")
