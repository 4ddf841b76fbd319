select state from meta.source_state where source_system = %(source_system)s
