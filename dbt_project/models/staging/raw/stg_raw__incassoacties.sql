{#- Dunning steps, one-to-one with raw.incassoacties (current version per key): renamed, step decoded. -#}
with

source as (
    select * from {{ source('raw', 'incassoacties') }}
),

renamed as (
    select
        -- ids
        cast(actie_id as {{ dbt.type_string() }}) as actie_id,
        cast(overeenkomst_id as {{ dbt.type_string() }}) as overeenkomst_id,
        -- dates
        datum as actiedatum,
        -- codes
        soort as actie_soort,
        {{ code_naam('INCASSOACTIESOORT', 'soort') }} as actie_soort_naam,
        -- amounts
        achterstand_bedrag,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
