"""Every page of portfolios: importing this module adds each route to its blueprint."""

from academy.portfolios import bp, public_bp
from academy.portfolios.confirmation import provider_views as confirmation_provider_views
from academy.portfolios.confirmation import views as confirmation_views
from academy.portfolios.entries import views as entries_views
from academy.portfolios.importing import views as importing_views
from academy.portfolios.records import export_views as records_export_views
from academy.portfolios.records import profile_views as records_profile_views
from academy.portfolios.records import views as records_views
from academy.portfolios.sharing import views as sharing_views

VIEWS = (
    entries_views,
    records_export_views,
    importing_views,
    records_views,
    records_profile_views,
    sharing_views,
    confirmation_views,
    confirmation_provider_views,
)
BLUEPRINTS = (bp, public_bp)
