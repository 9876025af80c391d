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
            when extract(day from cast(extractdatum + interval 1 day as date)) = 1 then extractdatum
            else cast(date_trunc('month', extractdatum) - interval 1 day as date)
        end as periode_eind
    from extract
)

select * from final
