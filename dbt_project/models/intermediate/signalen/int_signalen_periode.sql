{#- The periode this run's signals are about: periode_eind = the last day of the last complete month
    on the extract date (the extract date itself when it is a month's last day). The same rule as
    woonsignaal.signals.engine.periode_eind_for; known even in a month without any signal. -#}
with

extract as (
    select cast({{ extractdatum() }} as date) as extractdatum
),

final as (
    select
        extractdatum,
        case
            when extractdatum = {{ maand_einde('extractdatum') }} then extractdatum
            else {{ plus_dagen(maand_start('extractdatum'), -1) }}
        end as periode_eind
    from extract
)

select * from final
