select hub_project_id, retired_into from core.hub_projects where retired_into is not null
